/*
 * main.c - the solidarity command: git-style subcommands.
 */
#include <stdio.h>

#include "core/core.h"

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	puts("solidarity");
	return 0;
}
