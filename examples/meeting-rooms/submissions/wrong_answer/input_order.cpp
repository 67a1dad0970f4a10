// Near miss: the room heap is right, but the meetings are taken in input order, assumed sorted by start.
#include <cstdio>
#include <functional>
#include <queue>
#include <vector>

int main() {
    FILE *in = fopen("input.txt", "r");
    FILE *out = fopen("output.txt", "w");
    int n;
    fscanf(in, "%d", &n);
    std::priority_queue<long long, std::vector<long long>, std::greater<long long>> ends;
    for (int i = 0; i < n; ++i) {
        long long l, r;
        fscanf(in, "%lld %lld", &l, &r);
        if (!ends.empty() && ends.top() <= l) ends.pop();
        ends.push(r);
    }
    fprintf(out, "%zu\n", ends.size());
}
