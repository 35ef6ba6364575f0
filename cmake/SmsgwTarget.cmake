# Warnings apply to our own targets only; Debian's headers are included as SYSTEM by their
# imported targets, so warnings never trip on code we do not own. -Werror only where we decide
# (SMSGW_WERROR, set by scripts/test.sh and CI): a packager's compiler, flags or -O level may
# warn where ours does not, and that must not break their build.
function(smsgw_target target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(SMSGW_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  target_compile_definitions(${target} PRIVATE
    SMSGW_VERSION="${PROJECT_VERSION}"
    BOOST_ASIO_NO_DEPRECATED
    BOOST_BEAST_USE_STD_STRING_VIEW)
endfunction()
