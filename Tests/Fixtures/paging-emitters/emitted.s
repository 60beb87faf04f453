# Wraps the tables `kimage pagetables --format gas` emitted (tables.s, found with -I) in a .tables
# section, for PagingEmitterTests to link with tables.ld and compare with the bin blob.
.section .tables, "aw"
.include "tables.s"
