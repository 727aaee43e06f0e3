# rm -rf /
ls # ; rm -rf /