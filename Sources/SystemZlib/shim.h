// zlib, for inflating the entries of an EPUB (see ZIPArchive.swift).
#include <zlib.h>
