/*
 * The main() of every unit test program: run the file's suite() and exit
 * non-zero when any test failed. Included once, at the end of the file.
 */
#ifndef XENOLITH_CHECK_MAIN_H
#define XENOLITH_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_ENV); /* CK_VERBOSITY=verbose names each case (build.sh) */
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
