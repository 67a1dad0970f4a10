// Compare neighbours: a[mid] < a[mid+1] means the peak is to the right. At most 2 * 14 = 28 questions.
#include <cstdio>
#include <cstdlib>

long long ask(int i) {
    printf("? %d\n", i);
    fflush(stdout);
    long long v;
    if (scanf("%lld", &v) != 1 || v == -1) std::exit(0);
    return v;
}

int main() {
    int n;
    scanf("%d", &n);
    int lo = 1, hi = n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (ask(mid) < ask(mid + 1)) lo = mid + 1; else hi = mid;
    }
    printf("! %d\n", lo);
    fflush(stdout);
}
