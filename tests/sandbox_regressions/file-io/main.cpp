#include <bits/stdc++.h>
int main() {
    std::ifstream in("input.txt");
    std::ofstream out("output.txt");
    long long n, s = 0, x;
    in >> n;
    while (n-- && in >> x) s += x;
    out << s << "\n";
}
