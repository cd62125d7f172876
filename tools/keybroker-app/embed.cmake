# cmake -DIN=file -DOUT=file.c -DNAME=symbol -P embed.cmake
# Writes `const unsigned char NAME[]` and `const size_t NAME_len`.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR len "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "((0x..,){12})" "\\1\n\t" body "${body}")
file(WRITE ${OUT} "/* Generated from ${IN} by embed.cmake. */\n"
	"#include <stddef.h>\n"
	"extern const unsigned char ${NAME}[];\n"
	"extern const size_t ${NAME}_len;\n"
	"const unsigned char ${NAME}[] = {\n\t${body}\n};\n"
	"const size_t ${NAME}_len = ${len};\n")
