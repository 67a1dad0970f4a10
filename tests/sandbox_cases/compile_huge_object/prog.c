/* A 1 GiB initialised array: a 1 GiB object file and binary. */
#define _GNU_SOURCE
char big[1 << 30] = {1};
int main(void) { return big[12345]; }
