// Near miss (off by one): prefix[r - 1] leaves out the last tile of the request.
#include <cstdio>
#include <vector>

int main() {
    int n, q;
    scanf("%d %d", &n, &q);
    std::vector<char> s(n + 1);
    scanf("%s", s.data());
    std::vector<unsigned> prefix(n + 1, 0);
    for (int i = 0; i < n; ++i) prefix[i + 1] = prefix[i] ^ (1u << (s[i] - 'a'));
    while (q--) {
        int l, r;
        scanf("%d %d", &l, &r);
        puts(__builtin_popcount(prefix[r - 1] ^ prefix[l - 1]) <= 1 ? "YES" : "NO");
    }
}
