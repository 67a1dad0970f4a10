// Crashes: a difference array sized for moments up to 10^6; .at() throws std::out_of_range beyond it.
#include <algorithm>
#include <cstdio>
#include <vector>

int main() {
    FILE *in = fopen("input.txt", "r");
    FILE *out = fopen("output.txt", "w");
    int n;
    fscanf(in, "%d", &n);
    std::vector<int> diff(1000002);
    for (int i = 0; i < n; ++i) {
        int l, r;
        fscanf(in, "%d %d", &l, &r);
        diff.at(l) += 1;
        diff.at(r) -= 1;
    }
    int cur = 0, best = 0;
    for (int d : diff) best = std::max(best, cur += d);
    fprintf(out, "%d\n", best);
}
