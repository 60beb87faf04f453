# The bench kernel's big loadable data segment: data.bin (found with -I), which scripts/bench-gen
# writes from a fixed seed.
    .section .data.big,"aw",@progbits
    .incbin "data.bin"
