// Near miss: the run length lives outside the test-case loop and is not reset between streets.
#include <cstdio>
#include <vector>

int main() {
    int t;
    scanf("%d", &t);
    std::vector<char> s(200005);
    int run = 0;
    while (t--) {
        int n, k;
        scanf("%d %d %s", &n, &k, s.data());
        int bright = 0;
        for (int i = 0; i < n; ++i) {
            if (s[i] == '1') {
                ++run;
            } else {
                if (run >= k) ++bright;
                run = 0;
            }
        }
        if (run >= k) ++bright;
        printf("%d\n", bright);
    }
}
