/* exit_zero: the smallest program; measures spawn and exit. */
int main(void) {
    return 0;
}
