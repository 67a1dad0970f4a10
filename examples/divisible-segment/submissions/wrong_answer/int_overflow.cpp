// Near miss: the running sum is kept in int and reduced only when looked up; it overflows past 2^31.
#include <cstdio>
#include <unordered_map>

int main() {
    int n, m;
    scanf("%d %d", &n, &m);
    std::unordered_map<int, int> first;
    first[0] = 0;
    int prefix = 0;
    for (int i = 1; i <= n; ++i) {
        int x;
        scanf("%d", &x);
        prefix += x;
        int key = (prefix % m + m) % m;
        auto it = first.find(key);
        if (it != first.end()) {
            printf("%d %d\n", it->second + 1, i);
            return 0;
        }
        first[key] = i;
    }
    printf("-1\n");
}
