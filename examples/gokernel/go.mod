module example.org/gokernel

go 1.19
