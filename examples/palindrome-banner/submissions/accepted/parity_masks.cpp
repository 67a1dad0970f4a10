// Bit c of prefix[i] is the parity of letter c among the first i tiles; a segment can form a palindrome
// when at most one letter has an odd count, i.e. prefix[r] ^ prefix[l-1] has at most one bit set.
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
        puts(__builtin_popcount(prefix[r] ^ prefix[l - 1]) <= 1 ? "YES" : "NO");
    }
}
