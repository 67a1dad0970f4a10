// Near miss (overflow): m is used as read, up to 10^18, so (m - 1) * x overflows 64 bits.
#include <cstdio>
#include <vector>

typedef long long ll;
typedef std::vector<std::vector<ll>> Mat;
const ll MOD = 1000000007LL;

Mat mul(const Mat &a, const Mat &b) {
    size_t r = a.size(), inner = b.size(), c = b[0].size();
    Mat out(r, std::vector<ll>(c, 0));
    for (size_t i = 0; i < r; ++i)
        for (size_t l = 0; l < inner; ++l)
            for (size_t j = 0; j < c; ++j) out[i][j] = (out[i][j] + a[i][l] * b[l][j]) % MOD;
    return out;
}

int main() {
    ll n, m;
    int k;
    scanf("%lld %lld %d", &n, &m, &k);
    if (k == 1) { puts("0"); return 0; }
    int size = k - 1;
    Mat step(size, std::vector<ll>(size, 0));
    for (int j = 0; j < size; ++j) {
        step[j][0] = m - 1;
        if (j + 1 < size) step[j][j + 1] = 1;
    }
    Mat vec(1, std::vector<ll>(size, 0));
    vec[0][0] = m;
    for (ll e = n - 1; e; e >>= 1) {
        if (e & 1) vec = mul(vec, step);
        step = mul(step, step);
    }
    ll total = 0;
    for (ll x : vec[0]) total = (total + x) % MOD;
    printf("%lld\n", total);
}
