/* An endless include: the compiler reads /dev/urandom until a limit stops it. */
#define _GNU_SOURCE
#include </dev/urandom>
int main(void) { return 0; }
