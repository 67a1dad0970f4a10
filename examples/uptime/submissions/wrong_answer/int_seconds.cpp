// Near miss (overflow): the seconds are read into an int, which cannot hold values above 2^31 - 1.
#include <cstdio>

int main() {
    int t;
    scanf("%d", &t);
    while (t--) {
        int s;
        scanf("%d", &s);
        int days = s / 86400, rest = s % 86400;
        if (days == 1) printf("1 day, ");
        else if (days > 1) printf("%d days, ", days);
        printf("%02d:%02d:%02d\n", rest / 3600, rest / 60 % 60, rest % 60);
    }
}
