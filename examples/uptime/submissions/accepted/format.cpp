// printf with %02lld for the clock; 64-bit input since s reaches 10^12.
#include <cstdio>

int main() {
    int t;
    scanf("%d", &t);
    while (t--) {
        long long s;
        scanf("%lld", &s);
        long long days = s / 86400, rest = s % 86400;
        if (days == 1) printf("1 day, ");
        else if (days > 1) printf("%lld days, ", days);
        printf("%02lld:%02lld:%02lld\n", rest / 3600, rest / 60 % 60, rest % 60);
    }
}
