// One scan per street; the run length is reset for every test case and the last group is counted.
#include <cstdio>
#include <vector>

int main() {
    int t;
    scanf("%d", &t);
    std::vector<char> s(200005);
    while (t--) {
        int n, k;
        scanf("%d %d %s", &n, &k, s.data());
        int run = 0, bright = 0;
        for (int i = 0; i <= n; ++i) {
            if (i < n && s[i] == '1') {
                ++run;
            } else {
                if (run >= k) ++bright;
                run = 0;
            }
        }
        printf("%d\n", bright);
    }
}
