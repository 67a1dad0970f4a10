// Near miss (wrong tie-break): stable sort on results only, so tied participants keep the input order
// instead of name order.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

struct Row { int s, p; std::string name; };

int main() {
    int n;
    scanf("%d", &n);
    std::vector<Row> rows(n);
    char buf[16];
    for (auto &r : rows) {
        scanf("%15s %d %d", buf, &r.s, &r.p);
        r.name = buf;
    }
    std::stable_sort(rows.begin(), rows.end(), [](const Row &a, const Row &b) {
        return a.s != b.s ? a.s > b.s : a.p < b.p;
    });
    int place = 0;
    for (int i = 0; i < n; ++i) {
        if (i == 0 || rows[i].s != rows[i - 1].s || rows[i].p != rows[i - 1].p) place = i + 1;
        printf("%d %s\n", place, rows[i].name.c_str());
    }
}
