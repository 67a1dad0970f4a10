#include <bits/stdc++.h>
int main() {
    int n;
    std::cin >> n;
    std::cout << (n % 2 == 0 ? "Yes" : "NO") << '\n';
}
