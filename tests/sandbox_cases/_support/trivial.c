/* The "next run" probe: run right after every hostile case, it must be OK and print "ok". */
#include <stdio.h>
int main(void) { puts("ok"); return 0; }
