"""Samples that differ only in layout or comments are one candidate; real differences are not."""

from __future__ import annotations

from agent.dedupe import candidate_id, normalize_source

C1 = '#include <stdio.h>\nint main(){int a,b; // read\n scanf("%d %d",&a,&b);\n printf("%d\\n",a+b);}\n'
C2 = '#include <stdio.h>\n\n/* sum */ int main() { int a, b;\n\tscanf("%d %d", &a, &b); printf("%d\\n", a + b); }'


def test_c_whitespace_and_comments_ignored():
    assert candidate_id(C1, "c11") == candidate_id(C1.replace("// read", "/* x */"), "c11")
    assert normalize_source("int  a ;  // c\n", "c11") == normalize_source("int a ;", "c11")


def test_c_string_contents_matter():
    a = 'int main(){puts("a // b");}'
    b = 'int main(){puts("a");}'
    assert candidate_id(a, "c11") != candidate_id(b, "c11")


def test_language_is_part_of_identity():
    assert candidate_id(C1, "c11") != candidate_id(C1, "cpp17")


def test_python_comments_ignored_indentation_kept():
    p1 = "n = int(input())  # read\nif n:\n    print(n)\n"
    p2 = "n = int(input())\n\nif n:\n    print(n)   \n"
    p3 = "n = int(input())\nif n:\n    pass\nprint(n)\n"
    assert candidate_id(p1, "python3") == candidate_id(p2, "python3")
    assert candidate_id(p1, "python3") != candidate_id(p3, "python3")


def test_broken_python_still_gets_an_identity():
    assert candidate_id("def f(:\n  pass", "python3")
