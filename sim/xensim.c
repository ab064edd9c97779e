/* sim/xensim.c: the command-line front end (placeholder until the CLI lands). */
int main(void) { return 0; }
