// Near miss (missed edge case): always writes "days", so one day comes out as "1 days".
#include <cstdio>

int main() {
    int t;
    scanf("%d", &t);
    while (t--) {
        long long s;
        scanf("%lld", &s);
        long long days = s / 86400, rest = s % 86400;
        if (days > 0) printf("%lld days, ", days);
        printf("%02lld:%02lld:%02lld\n", rest / 3600, rest / 60 % 60, rest % 60);
    }
}
