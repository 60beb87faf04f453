// rt0 of the Go kernel: kimage pack's handoff enters here in long mode, paging on, SSE usable,
// rdi = boot info, rsp = a 16 KiB boot stack. Go code needs more than that (README, examples/gokernel):
// a g0 describing the stack (every non-nosplit function compares SP with g.stackguard0) and the
// FS base just past a word holding &g0 (the ABI wrappers load g from FS:-8).
#include "textflag.h"
#include "kimage_redirects.h"  // NUM_REDIRECTS: kimage count --format go-asm, or kimage link

// The redirect table `kimage redirect --table-symbol main.redirects` fills: NUM_REDIRECTS
// (src, dst) u64 pairs. The DATA line gives it bytes in the file (.noptrdata); a GLOBL alone
// would land in .noptrbss, which has none to fill.
DATA ·redirects+0(SB)/8, $0
GLOBL ·redirects(SB), NOPTR, $(NUM_REDIRECTS*16)

#define STACK_SIZE 65536
GLOBL bootStack<>(SB), NOPTR, $STACK_SIZE
// The thread-local block: one word holding &g0, the FS base points past it.
GLOBL tls<>(SB), NOPTR, $16

// Offsets in runtime.g and runtime.m (Go 1.19 runtime2.go).
#define g_stack_lo 0
#define g_stack_hi 8
#define g_stackguard0 16
#define g_stackguard1 24
#define g_m 48
#define m_g0 0
// Room below stackguard0 for nosplit chains (the runtime's StackGuard is 928 on linux/amd64).
#define STACK_GUARD 1024

TEXT ·rt0(SB), NOSPLIT|NOFRAME, $0
	MOVQ DI, ·bootInfo(SB)
	LEAQ runtime·g0(SB), BX
	LEAQ bootStack<>(SB), AX
	MOVQ AX, g_stack_lo(BX)
	ADDQ $STACK_GUARD, AX
	MOVQ AX, g_stackguard0(BX)
	MOVQ AX, g_stackguard1(BX)
	ADDQ $(STACK_SIZE-STACK_GUARD), AX
	MOVQ AX, g_stack_hi(BX)
	MOVQ AX, SP
	// m0 and g0 point at each other, as the runtime's own rt0_go sets them.
	LEAQ runtime·m0(SB), CX
	MOVQ CX, g_m(BX)
	MOVQ BX, m_g0(CX)
	// IA32_FS_BASE = &tls + 8, tls[0] = &g0. Go assembly has no WRMSR mnemonic.
	LEAQ tls<>(SB), AX
	MOVQ BX, 0(AX)
	ADDQ $8, AX
	MOVQ AX, DX
	SHRQ $32, DX
	MOVL $0xC0000100, CX
	BYTE $0x0F; BYTE $0x30
	CALL ·kmain(SB)
halt:
	CLI
	HLT
	JMP halt

// Walks main.redirects and writes at each src the 14-byte trampoline `jmp [rip+0]; dq dst`
// (FF 25 00 00 00 00 + dst); stops at the end or at a zero entry (--allow-spare). CR0.WP is
// cleared while writing: kimage pack maps .text read-only.
TEXT ·installRedirects(SB), NOSPLIT|NOFRAME, $0-0
	LEAQ ·redirects(SB), SI
	MOVQ $NUM_REDIRECTS, CX
	MOVQ CR0, R8
	MOVQ R8, DX
	BTRQ $16, DX
	MOVQ DX, CR0
next:
	TESTQ CX, CX
	JZ done
	MOVQ 0(SI), DI
	MOVQ 8(SI), AX
	MOVQ DI, DX
	ORQ AX, DX
	JZ done
	MOVL $0x000025FF, 0(DI)
	MOVW $0, 4(DI)
	MOVQ AX, 6(DI)
	ADDQ $16, SI
	DECQ CX
	JMP next
done:
	MOVQ R8, CR0
	RET

TEXT ·outb(SB), NOSPLIT, $0-3
	MOVW port+0(FP), DX
	MOVB value+2(FP), AL
	OUTB
	RET

TEXT ·inb(SB), NOSPLIT, $0-9
	MOVW port+0(FP), DX
	INB
	MOVB AL, ret+8(FP)
	RET

TEXT ·outl(SB), NOSPLIT, $0-8
	MOVW port+0(FP), DX
	MOVL value+4(FP), AX
	OUTL
	RET
