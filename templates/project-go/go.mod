module example.org/kernel

go 1.19
