// DP over the length of the final run (1 .. k-1), advanced n-1 steps by fast matrix exponentiation.
// Every value is reduced modulo p before it is multiplied, so products stay below 2^63.
#include <cstdio>
#include <vector>

typedef unsigned long long u64;
typedef std::vector<std::vector<u64>> Mat;
const u64 MOD = 1000000007ULL;

Mat mul(const Mat &a, const Mat &b) {
    size_t r = a.size(), inner = b.size(), c = b[0].size();
    Mat out(r, std::vector<u64>(c, 0));
    for (size_t i = 0; i < r; ++i)
        for (size_t l = 0; l < inner; ++l) {
            if (!a[i][l]) continue;
            for (size_t j = 0; j < c; ++j) out[i][j] = (out[i][j] + a[i][l] * b[l][j]) % MOD;
        }
    return out;
}

int main() {
    u64 n, m;
    int k;
    scanf("%llu %llu %d", &n, &m, &k);
    if (k == 1) { puts("0"); return 0; }
    int size = k - 1;
    Mat step(size, std::vector<u64>(size, 0));
    for (int j = 0; j < size; ++j) {
        step[j][0] = (m + MOD - 1) % MOD;
        if (j + 1 < size) step[j][j + 1] = 1;
    }
    Mat vec(1, std::vector<u64>(size, 0));
    vec[0][0] = m % MOD;
    for (u64 e = n - 1; e; e >>= 1) {
        if (e & 1) vec = mul(vec, step);
        step = mul(step, step);
    }
    u64 total = 0;
    for (u64 x : vec[0]) total = (total + x) % MOD;
    printf("%llu\n", total);
}
