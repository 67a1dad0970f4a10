// Nested constexpr loops stay under the per-loop limit but need about 4e10 steps at compile time.
constexpr long spin() {
    long s = 0;
    for (long i = 0; i < 200000; i++)
        for (long j = 0; j < 200000; j++) s += i ^ j;
    return s;
}
static_assert(spin() != 1, "");
int main() { return 0; }
