/* Keeps the testsupport library non-empty before the helpers land. */
int boltdiff_testsupport_linked(void);
int boltdiff_testsupport_linked(void)
{
    return 1;
}
