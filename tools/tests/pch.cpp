// Only to build the tests' shared precompiled header.
