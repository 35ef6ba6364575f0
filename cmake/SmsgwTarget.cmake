# Warnings apply to our own targets only; Debian's headers are included as SYSTEM by their
# imported targets, so -Werror never trips on code we do not own.
function(smsgw_target target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
  target_compile_definitions(${target} PRIVATE
    SMSGW_VERSION="${PROJECT_VERSION}"
    BOOST_ASIO_NO_DEPRECATED
    BOOST_BEAST_USE_STD_STRING_VIEW)
endfunction()
