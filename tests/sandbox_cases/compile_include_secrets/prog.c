/* Includes every host secret it can name, where the compiler can see it: the home directory, the
 * checkout, host /tmp, the expected answers, and pid 1's environment. Compiles cleanly when none
 * is visible; otherwise the error message would quote them. */
#define _GNU_SOURCE
#if __has_include("@@SECRET_HOME@@")
#include "@@SECRET_HOME@@"
#endif
#if __has_include("@@SECRET_CHECKOUT@@")
#include "@@SECRET_CHECKOUT@@"
#endif
#if __has_include("@@SECRET_TMP@@")
#include "@@SECRET_TMP@@"
#endif
#if __has_include("@@ANSWERS@@")
#include "@@ANSWERS@@"
#endif
#if __has_include("/proc/1/environ")
#include "/proc/1/environ"
#endif
int main(void) { return 0; }
