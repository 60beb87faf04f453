# A second object with its own local dupf (RedirectFixture): two local symbols of one name.
    .text
    .type "dupf", @function
"dupf":
    ret
    .fill 15, 1, 0xcc
    .size "dupf", .-"dupf"
