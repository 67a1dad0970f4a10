// Sort by (solved desc, penalty asc, name asc); a place changes only when (solved, penalty) changes.
#include <algorithm>
#include <cstdio>
#include <string>
#include <tuple>
#include <vector>

int main() {
    int n;
    scanf("%d", &n);
    std::vector<std::tuple<int, int, std::string>> rows(n);
    char buf[16];
    for (auto &[s, p, name] : rows) {
        scanf("%15s %d %d", buf, &s, &p);
        name = buf;
        s = -s;
    }
    std::sort(rows.begin(), rows.end());
    int place = 0;
    for (int i = 0; i < n; ++i) {
        auto &[s, p, name] = rows[i];
        if (i == 0 || s != std::get<0>(rows[i - 1]) || p != std::get<1>(rows[i - 1])) place = i + 1;
        printf("%d %s\n", place, name.c_str());
    }
}
