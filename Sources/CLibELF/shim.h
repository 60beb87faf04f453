#ifndef KIMAGE_CLIBELF_SHIM_H
#define KIMAGE_CLIBELF_SHIM_H
#include <libelf.h>
#include <gelf.h>
#endif
