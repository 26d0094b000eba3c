/* argv and environ through the raw calls (sizes, then the strings), unicode included. */
#include "conformance.h"

int main(void) {
    __wasi_size_t argc = 0, argv_size = 0, envc = 0, env_size = 0;
    report("args_sizes_get", __wasi_args_sizes_get(&argc, &argv_size));
    printf("argc: %u argv_buf_size: %u\n", (unsigned)argc, (unsigned)argv_size);
    uint8_t **argv = calloc(argc + 1, sizeof *argv);
    uint8_t *argv_buf = malloc(argv_size);
    report("args_get", __wasi_args_get(argv, argv_buf));
    for (__wasi_size_t i = 0; i < argc; i++) {
        char label[32];
        snprintf(label, sizeof label, "argv[%u]", (unsigned)i);
        print_bytes(label, argv[i], strlen((char *)argv[i]));
    }
    yesno("argv strings packed in order", argc == 0 || argv[0] == argv_buf);

    report("environ_sizes_get", __wasi_environ_sizes_get(&envc, &env_size));
    printf("environc: %u environ_buf_size: %u\n", (unsigned)envc, (unsigned)env_size);
    uint8_t **env = calloc(envc + 1, sizeof *env);
    uint8_t *env_buf = malloc(env_size);
    report("environ_get", __wasi_environ_get(env, env_buf));
    for (__wasi_size_t i = 0; i < envc; i++) {
        char label[32];
        snprintf(label, sizeof label, "environ[%u]", (unsigned)i);
        print_bytes(label, env[i], strlen((char *)env[i]));
    }
    const char *greeting = getenv("GREETING");
    print_bytes("getenv GREETING", greeting ? greeting : "(null)",
                strlen(greeting ? greeting : "(null)"));
    yesno("getenv MISSING is null", getenv("MISSING") == NULL);
    return 7;
}
