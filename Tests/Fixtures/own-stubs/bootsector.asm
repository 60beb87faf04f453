; An own boot sector (kimage pack --bootsector): empty but for its signature; flat binary.
times 510 db 0
dw 0xAA55
