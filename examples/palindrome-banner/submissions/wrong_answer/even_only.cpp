// Near miss (missed edge case): demands that every letter appears an even number of times, forgetting the
// middle tile of an odd-length palindrome.
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
        puts((prefix[r] ^ prefix[l - 1]) == 0 ? "YES" : "NO");
    }
}
