// push_back until 1 GiB: the vector's doubling reallocations must hit the memory limit (MLE).
#include <cstdio>
#include <vector>
int main() {
    std::vector<long long> v;
    for (long long i = 0; i < (1LL << 27); i++) v.push_back(i);
    std::printf("%zu\n", v.size());
}
