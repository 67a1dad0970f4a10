// Checker for "Divisible Segment" (testlib protocol, plain C++): checker INPUT OUTPUT ANSWER.
// Exit 0 OK, 1 WA, 2 PE (unreadable output), 3 FAIL (the contestant found a segment the jury missed).
// Any valid segment is accepted; "-1" is accepted only when the jury's answer is "-1" too.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

enum { OK = 0, WA = 1, PE = 2, FAIL = 3 };

[[noreturn]] void verdict(int code, const std::string &message) {
    std::cerr << (code == OK ? "ok " : code == WA ? "wrong answer " : code == PE ? "wrong output format " : "FAIL ")
              << message << "\n";
    std::exit(code);
}

bool to_int(const std::string &token, long long &value) {
    if (token.empty() || token.size() > 20) return false;
    char *end = nullptr;
    errno = 0;
    value = std::strtoll(token.c_str(), &end, 10);
    return errno == 0 && *end == '\0';
}

int main(int argc, char **argv) {
    if (argc < 4) verdict(FAIL, "usage: checker input output answer");
    std::ifstream inf(argv[1]), ouf(argv[2]), ans(argv[3]);
    if (!inf || !ouf || !ans) verdict(FAIL, "cannot open the files");
    long long n, m;
    if (!(inf >> n >> m)) verdict(FAIL, "bad input");
    std::vector<long long> a(n);
    for (auto &x : a) inf >> x;
    std::string jury;
    if (!(ans >> jury)) verdict(FAIL, "empty answer file");
    bool jury_found = jury != "-1";

    std::vector<std::string> tokens;
    for (std::string t; ouf >> t;) {
        tokens.push_back(t);
        if (tokens.size() > 2) verdict(PE, "extra tokens in the output");
    }
    if (tokens.empty()) verdict(PE, "empty output");
    long long l, r;
    if (tokens.size() == 1) {
        if (!to_int(tokens[0], l) || l != -1) verdict(PE, "expected -1 or two integers, got " + tokens[0]);
        if (jury_found) verdict(WA, "answered -1, but a segment exists");
        verdict(OK, "no segment");
    }
    if (!to_int(tokens[0], l) || !to_int(tokens[1], r)) verdict(PE, "expected two integers l and r");
    if (l < 1 || r > n || l > r) verdict(WA, "bad segment " + tokens[0] + " " + tokens[1]);
    long long sum = 0;
    for (long long i = l - 1; i < r; ++i) sum += a[i];
    if (sum % m != 0) verdict(WA, "the sum of [" + tokens[0] + ", " + tokens[1] + "] is not divisible by m");
    if (!jury_found) verdict(FAIL, "the contestant found a segment the jury missed");
    verdict(OK, "segment [" + tokens[0] + ", " + tokens[1] + "]");
}
