// Grows a vector to 1 GiB under a 64 MB limit. Where the kernel refuses the memory (bad_alloc), the
// program reports it and exits 3, as a careful solution would; where it OOM-kills, it dies by SIGKILL.
// Both are the memory limit's doing: the judge must say MLE, from the cgroup's own record.
#include <cstdio>
#include <new>
#include <vector>
int main() {
    std::vector<long long> v;
    try {
        for (long long i = 0; i < (1LL << 27); i++) v.push_back(i);
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "bad_alloc at %zu elements\n", v.size());
        return 3;
    }
    std::printf("%zu\n", v.size() % 2);
}
