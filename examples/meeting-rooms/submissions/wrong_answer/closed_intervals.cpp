// Near miss (wrong tie-break): at equal moments starts are processed before ends, as if intervals were closed.
#include <algorithm>
#include <cstdio>
#include <utility>
#include <vector>

int main() {
    FILE *in = fopen("input.txt", "r");
    FILE *out = fopen("output.txt", "w");
    int n;
    fscanf(in, "%d", &n);
    std::vector<std::pair<long long, int>> events;
    for (int i = 0; i < n; ++i) {
        long long l, r;
        fscanf(in, "%lld %lld", &l, &r);
        events.push_back({l, -1});  // sorts before the end events at the same moment
        events.push_back({r, +1});
    }
    std::sort(events.begin(), events.end());
    int cur = 0, best = 0;
    for (auto &e : events) best = std::max(best, cur -= e.second);
    fprintf(out, "%d\n", best);
}
