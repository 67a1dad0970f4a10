// Near miss (overflow): the bounds are read into int, which cannot hold values above 2^31 - 1.
#include <algorithm>
#include <iostream>
#include <vector>

int main() {
    const int LIMIT = 1000000;
    std::vector<bool> composite(LIMIT + 1, false);
    std::vector<long long> squares;
    for (long long p = 2; p <= LIMIT; ++p) {
        if (composite[p]) continue;
        squares.push_back(p * p);
        for (long long k = p * p; k <= LIMIT; k += p) composite[k] = true;
    }
    std::ios::sync_with_stdio(false);
    int q;
    std::cin >> q;
    while (q--) {
        int l = 0, r = 0;
        std::cin >> l >> r;
        auto hi = std::upper_bound(squares.begin(), squares.end(), (long long)r);
        auto lo = std::lower_bound(squares.begin(), squares.end(), (long long)l);
        std::cout << std::max<long>(0, hi - lo) << "\n";
    }
}
