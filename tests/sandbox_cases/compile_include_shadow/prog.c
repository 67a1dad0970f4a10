/* gcc quotes the offending line of an included file in its error: including /etc/shadow would
 * copy the host's password hashes into the compile message. */
#define _GNU_SOURCE
#include "/etc/shadow"
int main(void) { return 0; }
