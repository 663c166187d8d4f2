/* A public function nobody calls: public_callers.sh must name it (CTest lint/public_callers_canary). */
void stasis_public_callers_canary(void);
