/* Maps 1 GiB of anonymous memory with MAP_NORESERVE and touches every page. */
#define _GNU_SOURCE
#include <sys/mman.h>
int main(void) {
    size_t size = (size_t)1 << 30;
    char *p = mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return 1;
    for (size_t i = 0; i < size; i += 4096) p[i] = 1;
    return 0;
}
