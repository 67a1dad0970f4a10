/* A well-behaved neighbour run: it keeps a secret in its work directory, its /tmp and /dev/shm
 * for a while, so that a concurrent hostile run can try to find it. The copies are named
 * hostile-pwned-* so that the runner notices (and removes) any that reach the host. It also prints
 * the secret (the sandbox buffers it) and, when a file `nap` exists, stays for 2 s. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void) {
    char secret[256] = {0};
    FILE *f = fopen("victim_secret.txt", "r");
    if (!f || !fgets(secret, sizeof secret, f)) return 3;
    fclose(f);
    const char *copies[] = {"/tmp/hostile-pwned-victim_secret.txt", "/dev/shm/hostile-pwned-victim_secret.txt",
                            "hostile-pwned-victim_copy.txt"};
    for (unsigned i = 0; i < sizeof copies / sizeof *copies; i++) {
        FILE *g = fopen(copies[i], "w");
        if (g) { fputs(secret, g); fclose(g); }
    }
    fputs(secret, stdout); /* its answer, which the sandbox buffers on the way out */
    fflush(stdout);
    if (access("nap", F_OK) == 0) sleep(2);
    puts("done");
    return 0;
}
