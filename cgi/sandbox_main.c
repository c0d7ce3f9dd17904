/* sandbox_main.c: citybench-sandbox, the program a plugin runs in.  citybench-fcgi's workers
 * and `citybench plugin check/test` start it (child.c's child_spawn); it is not meant to be run
 * by hand.  Everything it does is child_exec_main's (child.c). */
#include "child.h"

int
main(int argc, char **argv)
{
	child_exec_main(argc, argv);
}
