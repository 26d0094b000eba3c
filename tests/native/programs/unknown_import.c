/* Imports a function no kernel provides: loading it must fail with ENOEXEC. */
__attribute__((import_module("mystery"), import_name("frobnicate"))) int frobnicate(int);

int main(void) {
    return frobnicate(1);
}
