/* Holds a given amount of resident memory: `memhog <MiB>` allocates, touches every page (so the
 * memory cgroup charges it), prints "ready", then sleeps until SIGTERM/SIGINT. Used to give a
 * container a known usage for the memory-shrink-below-usage tests. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void on_stop(int sig) {
  (void)sig;
  _exit(0);
}

int main(int argc, char** argv) {
  struct sigaction stop = {0};
  stop.sa_handler = on_stop;
  sigaction(SIGTERM, &stop, NULL);
  sigaction(SIGINT, &stop, NULL);
  long mib = argc > 1 ? strtol(argv[1], NULL, 10) : 16;
  if (mib < 0) mib = 0;
  size_t bytes = (size_t)mib << 20;
  char* block = bytes ? malloc(bytes) : NULL;
  if (bytes && block == NULL) {
    fprintf(stderr, "memhog: cannot allocate %ld MiB\n", mib);
    return 1;
  }
  long page = sysconf(_SC_PAGESIZE);
  for (size_t i = 0; i < bytes; i += (size_t)page) block[i] = (char)(i | 1);
  printf("ready %ld MiB\n", mib);
  fflush(stdout);
  for (;;) pause();
  return 0;
}
